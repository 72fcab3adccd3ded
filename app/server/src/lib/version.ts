import { createRequire } from 'node:module';

// package.json sits one level above both src/ and dist/, so this resolves in development and in the image.
const manifest = createRequire(import.meta.url)('../../package.json') as { version: string };

export const SERVICE_NAME = 'crm-app';
export const VERSION: string = manifest.version;
