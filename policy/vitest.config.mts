import { defineProject } from 'vitest/config';
import { pulumiTestProject } from '../lib/pulumi-testing/vitest-project';

export default defineProject(pulumiTestProject('policy', import.meta.dirname));
