/**
 * Trusted documents for first-party apps: with a manifest (hash → document, as GraphQL Code
 * Generator's client preset writes it), only those operations run; a request may name one by
 * `documentId` or by Apollo's `extensions.persistedQuery.sha256Hash`. Only the router, proven by
 * its secret, may send any operation: nothing else about a request (GraphiQL's included) can prove
 * who sent it.
 */
import { readFileSync } from 'node:fs';
import {
  defaultExtractPersistedOperationId,
  type ExtractPersistedOperationId,
  usePersistedOperations,
} from '@graphql-yoga/plugin-persisted-operations';
import { Kind, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export type Manifest = ReadonlyMap<string, string>;

/** Reads a manifest; throws with a plain message when it is missing or not `{hash: document}`. */
export function loadManifest(path: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`TRUSTED_DOCUMENTS: ${path} is not an object of hash → document`);
  }
  const entries = Object.entries(parsed);
  if (entries.some(([, document]) => typeof document !== 'string')) {
    throw new Error(`TRUSTED_DOCUMENTS: every value of ${path} must be a GraphQL document`);
  }
  // Code Generator writes keys as `sha256:<hex>`; requests may name a document either way.
  return new Map(
    (entries as Array<[string, string]>).map(([hash, document]) => [hash.replace(/^sha256:/, ''), document]),
  );
}

/** The names of the manifest's operations (a document that does not parse names none). */
export function operationNamesOf(manifest: Manifest): ReadonlySet<string> {
  const names = new Set<string>();
  for (const document of manifest.values()) {
    try {
      for (const definition of parse(document).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name)
          names.add(definition.name.value);
      }
    } catch {
      // Yoga refuses it when it is asked for, with the parse error.
    }
  }
  return names;
}

const extractId: ExtractPersistedOperationId = (params, request, context) => {
  const documentId = (params as { documentId?: unknown }).documentId;
  if (typeof documentId === 'string') return documentId.replace(/^sha256:/, '');
  return defaultExtractPersistedOperationId(params, request, context);
};

export function useTrustedDocuments(manifest: Manifest, isRouter: (request: Request) => boolean): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => manifest.get(id) ?? null,
    extractPersistedOperationId: extractId,
    allowArbitraryOperations: (request) => isRouter(request),
    customErrors: {
      persistedQueryOnly: 'Only the operations this API trusts may run: send a documentId from the manifest',
    },
  }) as Plugin;
}
