import { ecrImmutableTags } from './rules/ecrImmutableTags';
import { noPublicEcrRepositoryPolicy } from './rules/ecrRepositoryPolicy';
import { noClusterAdminForCi } from './rules/eksAccess';
import { encryptedStorage } from './rules/encryptedStorage';
import { pinnedImages } from './rules/imageReferences';
import { oneLoadBalancerPerStack, singleLoadBalancer } from './rules/loadBalancerServices';
import { nonRootContainers } from './rules/nonRootContainers';
import { noWildcardOidcTrust, oidcTrustAudience } from './rules/oidcTrust';
import type { Rule, StackRule } from './rules/types';

/** Rules checked one resource at a time. */
export const resourcePolicies: Rule[] = [
  ecrImmutableTags,
  noPublicEcrRepositoryPolicy,
  encryptedStorage,
  noWildcardOidcTrust,
  oidcTrustAudience,
  singleLoadBalancer,
  nonRootContainers,
  pinnedImages,
];

/** Rules that need the whole stack at once. */
export const stackPolicies: StackRule[] = [oneLoadBalancerPerStack, noClusterAdminForCi];

export const policies: (Rule | StackRule)[] = [...resourcePolicies, ...stackPolicies];
