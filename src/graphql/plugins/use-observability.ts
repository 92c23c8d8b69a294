/**
 * What operators see of each request: a log line with its id, status and duration; the id echoed
 * on the response; an operation span (when tracing is on) that SalesBinder calls hang under; and
 * operation metrics (served on their own listener, see metrics.ts).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { logRequest, REQUEST_ID_HEADER, requestIdOf } from '../../http/request-id.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics, OperationObservation } from '../../observability/metrics.ts';
import type { GatewayContext } from '../gateway-context.ts';

export interface ObservabilityOptions {
  logger: Logger;
  metrics: Metrics | undefined;
  tracer: Tracer | undefined;
}

const PROBE_PATHS = new Set(['/health', '/ready']);
const MAX_LOGGED_NAME = 100;

export function useObservability({ logger, metrics, tracer }: ObservabilityOptions): Plugin<GatewayContext> {
  // When each request started, its path (read from the URL Yoga already parsed), and the operation
  // it ran, for its log line.
  const started = new WeakMap<
    Request,
    { at: number; path: string; operation?: string; context?: GatewayContext }
  >();
  return {
    onRequest({ request, url }) {
      // Probes come every few seconds: a log line each would drown the requests that matter.
      if (!PROBE_PATHS.has(url.pathname)) started.set(request, { at: performance.now(), path: url.pathname });
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const type: OperationObservation['type'] = operation?.operation ?? 'unknown';
      const name = operation?.name?.value;
      const begun = started.get(args.contextValue.request);
      // The client names it: bounded, so that a name cannot make the line long.
      if (begun) {
        begun.operation = `${type} ${name?.slice(0, MAX_LOGGED_NAME) ?? '(anonymous)'}`;
        begun.context = args.contextValue;
      }
      const executionStarted = performance.now();
      const span = tracer?.startSpan(name ? `${type} ${name}` : type, {
        kind: SpanKind.SERVER,
        attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
      });
      if (tracer && span) args.contextValue.setTracing({ tracer, parent: trace.setSpan(ROOT_CONTEXT, span) });
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && (result.errors?.length ?? 0) > 0;
          metrics?.operation({
            name,
            vouched: args.contextValue.keyAccepted(),
            voucher: args.contextValue.acceptedKeyHash(),
            type,
            outcome: failed ? 'error' : 'success',
            seconds: (performance.now() - executionStarted) / 1000,
          });
          if (span) {
            if (failed)
              span.setStatus({ code: SpanStatusCode.ERROR, message: 'the answer carries GraphQL errors' });
            span.end();
          }
        },
      };
    },
    onResponse({ request, response }) {
      const id = requestIdOf(request);
      response.headers.set(REQUEST_ID_HEADER, id);
      const begun = started.get(request);
      if (begun === undefined) return;
      const refused = begun.context?.refusedCalls() ?? {};
      const caller = begun.context?.callerId();
      logRequest(logger, {
        ...(caller ? { caller } : {}),
        ...(Object.keys(refused).length > 0 ? { refused } : {}),
        requestId: id,
        method: request.method,
        path: begun.path,
        ...(begun.operation ? { operation: begun.operation } : {}),
        status: response.status,
        startedAt: begun.at,
      });
    },
  };
}
