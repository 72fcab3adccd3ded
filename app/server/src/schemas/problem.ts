import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details, plus `error` (the original service's field) and the request's correlation id. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  error: Type.String(),
  instance: Type.String(),
  correlation_id: Type.String(),
});

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Problem]));
