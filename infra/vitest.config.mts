import { defineProject } from 'vitest/config';
import { pulumiTestProject } from '../lib/pulumi-testing/vitest-project.mts';

export default defineProject(pulumiTestProject('infra', import.meta.dirname));
