import { rule } from './types';

/** A mutable tag lets a push silently replace what a running deployment refers to. */
export const ecrImmutableTags = rule(
  'ecr-immutable-tags',
  'ECR repositories must use immutable image tags.',
  ({ type, props }, report) => {
    if (type !== 'aws:ecr/repository:Repository') return;
    if (props.imageTagMutability !== 'IMMUTABLE') {
      report(
        `imageTagMutability is ${JSON.stringify(props.imageTagMutability ?? 'MUTABLE (default)')}, not IMMUTABLE`,
      );
    }
  },
);
