import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

export { policies };

new PolicyPack('cloudops-crm', { policies });
