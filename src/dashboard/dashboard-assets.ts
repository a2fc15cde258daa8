import { fileURLToPath } from 'node:url';

/**
 * The dashboard's static files. They sit beside this module in `public/`: under src/ when the tests run the
 * TypeScript sources, under dist/ once `npm run build` has compiled the code and copied the folder there.
 */
export const DASHBOARD_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Names the asset route serves: flat file names with a known extension, so no request can name a path
 * outside the folder (express's sendFile refuses `..` as well).
 */
export const DASHBOARD_ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/;
