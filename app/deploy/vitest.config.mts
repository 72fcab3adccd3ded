import { defineProject } from 'vitest/config';
import { pulumiTestProject } from '../../lib/pulumi-testing/vitest-project.mts';

export default defineProject(pulumiTestProject('app-deploy', import.meta.dirname));
