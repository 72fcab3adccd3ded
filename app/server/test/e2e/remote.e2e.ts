import { describe } from 'vitest';
import { httpSuite } from './http-suite.js';

// `E2E_BASE_URL=http://localhost:5000 pnpm --filter @cloudops-crm/server test:e2e` runs the HTTP suite against
// a deployment started elsewhere: docker compose in the CI workflow, or a cluster's public URL.
const baseUrl = process.env.E2E_BASE_URL;
if (!baseUrl) throw new Error('E2E_BASE_URL is required, e.g. http://localhost:5000');

describe(`E2E over HTTP against ${baseUrl}`, () => {
  httpSuite(() => ({
    baseUrl: baseUrl.replace(/\/$/, ''),
    ...(process.env.E2E_API_KEY ? { apiKey: process.env.E2E_API_KEY } : {}),
  }));
});
