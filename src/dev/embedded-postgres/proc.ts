// Small readers of /proc and the file system that answer '' or the input instead of throwing: the callers
// treat "cannot tell" as "not ours".
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';

export function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function readLink(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return '';
  }
}

export function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export function parentPid(pid: number): number | undefined {
  const stat = readFileOrEmpty(`/proc/${pid}/stat`);
  // Fields after "(comm)": state, ppid, ...
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
