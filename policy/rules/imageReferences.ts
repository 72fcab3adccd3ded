import { rule } from './types';
import { podSpecOf } from './workloads';

/** Tags that are moved on purpose by their publishers. */
export const FLOATING_TAGS = new Set([
  'latest',
  'stable',
  'edge',
  'main',
  'master',
  'nightly',
  'dev',
  'develop',
]);

/** Why an image reference may resolve to different content over time, or undefined when it cannot. */
export function mutableImageReason(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const lastSegment = image.split('/').pop() ?? image;
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'has no tag (resolves to :latest)';
  const tag = lastSegment.slice(colon + 1);
  if (tag === '') return 'has an empty tag';
  if (FLOATING_TAGS.has(tag.toLowerCase())) return `uses the floating tag :${tag}`;
  return undefined;
}

/** Rollbacks and audits need to know exactly which image ran. */
export const pinnedImages = rule(
  'images-pinned',
  'Container images must be referenced by digest or by an immutable tag (no :latest or missing tag).',
  ({ type, props }, report) => {
    const pod = podSpecOf(type, props);
    if (!pod) return;
    for (const { label, container } of pod.containers) {
      // Unknown during preview; checked again on update.
      if (typeof container.image !== 'string') continue;
      const reason = mutableImageReason(container.image);
      if (reason) report(`${label} image "${container.image}" ${reason}`);
    }
  },
);
