import { defineProject } from 'vitest/config';
import { pulumiTestProject } from '../pulumi-testing/vitest-project.mts';

export default defineProject(pulumiTestProject('generated-secret', import.meta.dirname));
