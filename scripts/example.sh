#!/usr/bin/env bash
# `npm run example`: the example application (examples/nest-app) as a user of the package meets it. Packs
# this repository with `npm pack`, copies the example to a temporary folder, installs the tarball there
# (not a path into src/), and runs the example's own tests against DATABASE_URL's server (default: this
# machine's PostgreSQL on 127.0.0.1:5432).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
echo "packed $tarball ($(du -h "$work/$tarball" | cut -f1))"
cp -r examples/nest-app "$work/app"
cd "$work/app"
rm -rf node_modules dist
npm install --no-audit --no-fund --no-package-lock "$work/$tarball"
# One copy of Nest and TypeORM, shared by the application and the package: two would not see each other's providers.
for shared in @nestjs/core @nestjs/common typeorm; do
  copies=$(find . -path "*/node_modules/$shared/package.json" | wc -l)
  [ "$copies" = 1 ] || { echo "$shared is installed $copies times" >&2; exit 1; }
done
npm test
