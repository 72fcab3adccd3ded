import { ecrImmutableTags } from './rules/ecrImmutableTags';
import { encryptedStorage } from './rules/encryptedStorage';
import { pinnedImages } from './rules/imageReferences';
import { singleLoadBalancer } from './rules/loadBalancerServices';
import { nonRootContainers } from './rules/nonRootContainers';
import { noWildcardOidcTrust } from './rules/oidcTrust';
import type { Rule } from './rules/types';

export const policies: Rule[] = [
  ecrImmutableTags,
  encryptedStorage,
  noWildcardOidcTrust,
  singleLoadBalancer,
  nonRootContainers,
  pinnedImages,
];
