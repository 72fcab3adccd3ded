import { HELM_TYPES } from './helm';
import { isRecord, rule } from './types';
import { podSpecOf } from './workloads';

/** Tags that are moved on purpose by their publishers; named in messages because they are the usual mistake. */
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

const DIGEST = /@sha256:[a-f0-9]{64}$/;
/**
 * A full release version: x.y.z (an optional fourth number), an optional `v`, and an optional variant suffix
 * (`1.27.3-alpine`, `v1.4.2-debian-elasticsearch8-1.1`). `7`, `1.2` or `lts` name a release line that moves.
 */
const VERSION_TAG = /^v?\d+\.\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z][0-9A-Za-z._-]*)?$/;
/** An abbreviated (7) to full (40) git commit SHA, as CI tags its builds. */
const COMMIT_TAG = /^[0-9a-f]{7,40}$/;

/** Why an image tag may point at different content over time, or undefined for a version or commit tag. */
export function mutableTagReason(tag: string): string | undefined {
  if (tag === '') return 'has an empty tag';
  if (FLOATING_TAGS.has(tag.toLowerCase())) return `uses the floating tag :${tag}`;
  if (VERSION_TAG.test(tag) || COMMIT_TAG.test(tag)) return undefined;
  return `uses the tag :${tag}, which is neither a full version (x.y.z) nor a commit SHA, so it can move`;
}

/** Why an image reference may resolve to different content over time, or undefined when it cannot. */
export function mutableImageReason(image: string): string | undefined {
  if (DIGEST.test(image)) return undefined;
  const lastSegment = image.split('/').pop() ?? image;
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'has no tag (resolves to :latest)';
  return mutableTagReason(lastSegment.slice(colon + 1));
}

/**
 * Image settings written explicitly in Helm values in the common `image: { repository, tag }` shape, anywhere in
 * the tree (`image`, `controller.image`, …). A tag left out means the chart's own pinned default and is not
 * reported; a `digest` or `sha` next to the tag pins the image whatever the tag says.
 */
export function helmImageTags(values: unknown, prefix = ''): { path: string; tag: string }[] {
  const found: { path: string; tag: string }[] = [];
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        visit(item, `${path}[${i}]`);
      });
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, child] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === 'image' && isRecord(child)) {
        const pinned = [child.digest, child.sha].some((d) => typeof d === 'string' && d !== '');
        const tag = child.tag;
        if (!pinned && (typeof tag === 'string' || typeof tag === 'number') && String(tag) !== '') {
          found.push({ path: `${childPath}.tag`, tag: String(tag) });
        }
      }
      visit(child, childPath);
    }
  };
  visit(values, prefix);
  return found;
}

/** Rollbacks and audits need to know exactly which image ran. */
export const pinnedImages = rule(
  'images-pinned',
  'Container images must be referenced by digest, a full version tag (x.y.z) or a commit SHA tag.',
  ({ type, props }, report) => {
    if (HELM_TYPES.has(type)) {
      for (const { path, tag } of helmImageTags(props.values)) {
        const reason = mutableTagReason(tag);
        if (reason) report(`Helm values ${path} "${tag}" ${reason}`);
      }
      return;
    }
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
