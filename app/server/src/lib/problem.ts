import { STATUS_CODES } from 'node:http';

/**
 * An error that becomes an RFC 9457 problem response. `error` keeps the original service's field so existing
 * clients that read `body.error` keep working.
 */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  error: string;
  instance: string;
  correlation_id: string;
}

export function problemBody(
  status: number,
  detail: string,
  instance: string,
  correlationId: string,
): ProblemBody {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    error: detail,
    instance,
    correlation_id: correlationId,
  };
}

export const notFound = () => new HttpProblem(404, 'Person not found');
export const badRequest = (message: string) => new HttpProblem(400, message);
