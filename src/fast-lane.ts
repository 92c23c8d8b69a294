/**
 * The fast lane: Yoga's own execution for the request that makes up nearly all traffic (a JSON
 * POST of an operation Yoga has already accepted), without the Fetch-API layer Yoga wraps every
 * request in. That layer (a Request and a Response object, URL parsing, header proxies, promise
 * helpers, content negotiation) cost about half the CPU of an edit; the benchmark in the README
 * has the figures.
 *
 * What stays the same, because it is Yoga's own code running: the execution hooks of every envelop
 * plugin (error masking, operation metrics and spans, the unexpected-error log) and the context.
 * What the lane does itself, kept to what a plain JSON POST needs: read the body, answer in the media
 * type Yoga would pick, the request id header, the request log line.
 *
 * A request takes the lane only when everything Yoga would check before execution is already known
 * to pass: Yoga executed the same document, for a request of the same kind (the router's secret or
 * not), from a body of the same plain shape. Anything else (the first sight of a document, a body
 * of another shape, a browser's cross-origin request, variables that do not fit, another media
 * type) is handed to Yoga whole, before any resolver has run.
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  getVariableValues,
} from 'graphql';
import type { Plugin, YogaInitialContext, YogaServerInstance } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from './context.ts';
import type { Logger } from './logger.ts';
import { type HeaderSource, logRequest, REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';

type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/** The media types a lane answer can carry, as Yoga names them in Content-Type. */
export type LaneMediaType = 'application/json' | 'application/graphql-response+json';

interface PlainParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

const PLAIN_KEYS = new Set(['query', 'variables', 'operationName']);

/** `{query, variables?, operationName?}` and nothing else: the shape Yoga takes without a question. */
export function isPlainParams(value: unknown): value is PlainParams {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const params = value as Record<string, unknown>;
  for (const key in params) if (!PLAIN_KEYS.has(key)) return false;
  const { query, variables, operationName } = params;
  return (
    typeof query === 'string' &&
    (variables === undefined ||
      variables === null ||
      (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName === undefined || operationName === null || typeof operationName === 'string')
  );
}

const JSON_CONTENT_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset=(?:"utf-8"|utf-8)[ \t]*)?$/i;

/**
 * The media type of a lane answer for these request headers, or null when the request is Yoga's:
 * a browser's cross-origin request (CORS), a body that is not plain JSON, or an Accept header whose
 * first choice is not one of the two JSON types (weights and other types are Yoga's to negotiate).
 */
export function laneMediaType(headers: IncomingMessage['headers']): LaneMediaType | null {
  if (headers.origin !== undefined) return null;
  const contentType = headers['content-type'];
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) return null;
  const accept = headers.accept;
  if (accept === undefined) return 'application/json';
  const first = accept.split(',', 1)[0]?.trim().toLowerCase() ?? '';
  if (first === 'application/graphql-response+json') return first;
  if (first === 'application/json' || first === '*/*') return 'application/json';
  return null;
}

/** Node's request headers read the way Yoga's Request reads them (it is built from the same object). */
function headerSource(req: IncomingMessage): HeaderSource {
  return {
    headers: {
      get(name) {
        const value = req.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}

/** Yoga's answer for errors carrying an HTTP status (none of ours do; kept for parity). */
function statusOf(result: ExecutionResult): number {
  let status = 200;
  for (const error of result.errors ?? []) {
    const http = error.extensions?.http as { status?: number } | undefined;
    if (http?.status && http.status > status) status = http.status;
  }
  return status;
}

/** As Yoga writes a result: GraphQL's JSON form of each error, without Yoga's internal extensions. */
function serialize(result: ExecutionResult): string {
  if (!result.errors?.length) return JSON.stringify(result);
  return JSON.stringify({
    ...result,
    errors: result.errors.map((error) => {
      const json = error instanceof GraphQLError ? error.toJSON() : { message: String(error) };
      if (!json.extensions) return json;
      const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
      return { ...json, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
    }),
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export interface FastLaneOptions {
  /** The request comes from the federation router (its shared secret): validation differs for it. */
  isRouter: (request: HeaderSource) => boolean;
  logger: Logger;
  /** Documents remembered, least recently used first out. @default 1024 */
  maxDocuments?: number;
}

export interface FastLane {
  /** Goes into Yoga's plugins: remembers the documents Yoga executed for plain requests. */
  readonly plugin: Plugin<YogaInitialContext>;
  /** Serves a POST to the GraphQL endpoint whose headers `laneMediaType` accepted. */
  serve(yoga: GatewayYoga, req: IncomingMessage, res: ServerResponse, mediaType: LaneMediaType): void;
  /** Requests served by the lane so far, and requests it handed to Yoga after reading their body. */
  readonly counts: { served: number; handedOver: number };
}

export function createFastLane({ isRouter, logger, maxDocuments = 1024 }: FastLaneOptions): FastLane {
  // The least recently used documents go first once `maxDocuments` are kept.
  const documents = new LRUCache<string, DocumentNode>({ max: maxDocuments });
  // A document's validation depends on the request only through the router's secret.
  const keyOf = (request: HeaderSource, query: string) => (isRouter(request) ? 'r' : 'p') + query;
  const plainRequests = new WeakMap<object, string>();
  const counts = { served: 0, handedOver: 0 };

  const plugin: Plugin<YogaInitialContext> = {
    // Sees the parameters as the client sent them (this plugin comes before any that rewrite them).
    onParams({ params, request }) {
      if (isPlainParams(params)) plainRequests.set(request, keyOf(request, params.query));
    },
    // Yoga executes only what passed every check before execution, for this kind of request.
    onExecute({ args }) {
      const key = plainRequests.get((args.contextValue as YogaInitialContext).request);
      if (key !== undefined) documents.set(key, args.document);
    },
  };

  /** Yoga answers the request whole, from the body already read. */
  async function handOver(
    yoga: GatewayYoga,
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Promise<void> {
    counts.handedOver++;
    // Yoga reads only the path of the URL; the HTTP server has already checked Host.
    const request = new yoga.fetchAPI.Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: 'POST',
      headers: req.headers as Record<string, string>,
      body: body.toString('utf8'),
    });
    const response = await yoga.handleRequest(request, { req, res });
    const answer = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(answer);
  }

  async function serve(
    yoga: GatewayYoga,
    req: IncomingMessage,
    res: ServerResponse,
    mediaType: LaneMediaType,
  ): Promise<void> {
    const started = performance.now();
    const body = await readBody(req);
    let params: unknown;
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      return handOver(yoga, req, res, body);
    }
    if (!isPlainParams(params)) return handOver(yoga, req, res, body);
    const request = headerSource(req);
    const document = documents.get(keyOf(request, params.query));
    if (document === undefined) return handOver(yoga, req, res, body);
    // Yoga answers a request that cannot start (no such operation, variables that do not fit)
    // with its own status and wording: it gets those, and no resolver has run yet.
    const operation = getOperationAST(document, params.operationName);
    if (!operation) return handOver(yoga, req, res, body);
    const enveloped = yoga.getEnveloped({ req, res, request, params });
    if (
      getVariableValues(enveloped.schema, operation.variableDefinitions ?? [], params.variables ?? {}, {
        maxErrors: 1,
      }).errors
    ) {
      return handOver(yoga, req, res, body);
    }
    counts.served++;
    const contextValue = await enveloped.contextFactory();
    const result = (await enveloped.execute({
      schema: enveloped.schema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    })) as ExecutionResult;
    const text = serialize(result);
    const status = statusOf(result);
    const requestId = requestIdOf(request);
    res
      .writeHead(status, {
        'content-type': `${mediaType}; charset=utf-8`,
        'content-length': Buffer.byteLength(text),
        [REQUEST_ID_HEADER]: requestId,
      })
      .end(text);
    logRequest(logger, { requestId, method: 'POST', path: req.url ?? '/', status, startedAt: started });
  }

  return {
    plugin,
    counts,
    serve(yoga, req, res, mediaType) {
      serve(yoga, req, res, mediaType).catch((error: unknown) => {
        logger.error({ err: error }, 'the fast lane failed a request');
        if (!res.headersSent) {
          res
            .writeHead(500, { 'content-type': `${mediaType}; charset=utf-8` })
            .end(JSON.stringify({ errors: [{ message: 'Unexpected error.' }] }));
        } else res.destroy();
      });
    },
  };
}
