import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { BREAK, GraphQLError, Kind, TypeInfo, execute, getNamedType, isAbstractType, isInputObjectType, typeFromAST, visit, visitWithTypeInfo, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** How a subgraph executes operations: compiled by graphql-jit (the default) or interpreted by graphql-js. */
export const GRAPHQL_EXECUTORS = ['jit', 'graphql-js'] as const;
export type GraphqlExecutor = (typeof GRAPHQL_EXECUTORS)[number];

/**
 * How many compiled operations a subgraph keeps by default: the gateway's query plans are few, and
 * a compiled operation as large as the chart's holds about 70 KiB (500 of them: 35 MB at most).
 */
export const MAX_COMPILED_OPERATIONS = 500;

/**
 * Executes a subgraph's operations with graphql-jit instead of graphql-js's interpreter: each
 * operation is compiled once into a function that resolves and completes its selection without
 * walking the document again. The gateway sends the same few operations (its query plans) over and
 * over, some with thousands of values in the answer (the chart), where graphql-js re-reads the
 * selection for every object (BENCHMARKS.md: about 3 ms of a 50 ms chart).
 *
 * Where graphql-jit differs from graphql-js, graphql-js still does the work (jit-execution.test.ts
 * holds each case to graphql-js's exact answer):
 * - it coerces the variables first: its errors name the field at fault (`readings[1].effectiveAt`),
 *   graphql-jit's do not, and the error formatter relies on them;
 * - it runs operations with input-object variables (mutations' `$input`): graphql-jit refuses a
 *   variable's object that leaves out a field with a default value;
 * - and operations with a variable inside a list or object literal (`representations: [{ id: $id }]`,
 *   a direct caller's shorthand; the gateway sends whole variables): graphql-jit does not substitute
 *   it into a custom scalar;
 * - and operations selecting a union or interface other than federation's `_Entity`: type-graphql's
 *   resolveType answers with a promise, which graphql-jit does not await.
 * graphql-jit's own errors (a null in a non-null field, a resolver's plain Error) lack the
 * `extensions` object Apollo Server's formatting needs: each is rebuilt as graphql-js's error.
 * What the gateway sends most, entity fetches and queries with scalar and enum variables, is compiled.
 *
 * Apollo Server 4+ has no `executor` option; its way to replace execution is the `gateway`
 * interface, which this implements for a fixed schema. Apollo Server still parses, validates,
 * runs every plugin hook and formats errors; only `execute` is replaced.
 */
export class JitExecution implements GatewayInterface {
  /** Compiled operations (or null: run on graphql-js) by query hash and operation name; insertion order is recency order. */
  private readonly compiled = new Map<string, CompiledQuery | null>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxCompiledOperations = MAX_COMPILED_OPERATIONS,
  ) {}

  /** How many operations are kept compiled now (not counting those kept as graphql-js's). */
  get compiledOperations(): number {
    let count = 0;
    for (const query of this.compiled.values()) if (query) count += 1;
    return count;
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): () => void {
    // the schema never changes: announce it once (Apollo Server validates against it)
    callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
    return () => {};
  }

  async load(): Promise<{ executor: GatewayExecutor }> {
    return { executor: this.execute };
  }

  async stop(): Promise<void> {
    this.compiled.clear();
  }

  private readonly execute: GatewayExecutor = async (request) => {
    const variables = request.request.variables ?? {};
    const coerced = getVariableValues(this.schema, request.operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return { errors: coerced.errors };

    const key = `${request.queryHash}\u0000${request.operationName ?? ''}`;
    let query = this.compiled.get(key);
    if (query !== undefined) {
      this.compiled.delete(key);
    } else {
      query = this.compile(request.document, request.operation, request.operationName);
      if (this.compiled.size >= this.maxCompiledOperations) this.compiled.delete(this.compiled.keys().next().value!);
    }
    this.compiled.set(key, query);
    if (!query) {
      return execute({ schema: this.schema, document: request.document, operationName: request.operationName, contextValue: request.context, variableValues: variables }) as Promise<ExecutionResult>;
    }
    const result = await query.query(undefined, request.context, variables);
    return result.errors ? { ...result, errors: result.errors.map(asGraphqlJsError) } : result;
  };

  /** The compiled operation, or null when it must run on graphql-js (see above). */
  private compile(document: DocumentNode, operation: OperationDefinitionNode, operationName: string | null): CompiledQuery | null {
    if (hasInputObjectVariable(this.schema, operation) || hasVariableInsideLiteral(document) || selectsAbstractField(this.schema, document)) return null;
    const compilation = compileQuery(this.schema, document, operationName ?? undefined);
    return isCompiledQuery(compilation) ? compilation : null;
  }
}

/** Whether a variable of the operation is (a list of) an input object. */
function hasInputObjectVariable(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  return (operation.variableDefinitions ?? []).some((definition) => {
    const type = typeFromAST(schema, definition.type);
    return type !== undefined && isInputObjectType(getNamedType(type));
  });
}

/** Whether an argument's list (in the operation or any fragment) or object literal holds a variable somewhere inside (`[{ id: $id }]`). */
function hasVariableInsideLiteral(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Argument(argument) {
      if (argument.value.kind === Kind.LIST || argument.value.kind === Kind.OBJECT) {
        visit(argument.value, {
          Variable() {
            found = true;
            return BREAK;
          },
        });
      }
      return found ? BREAK : undefined;
    },
  });
  return found;
}

/** Whether a field anywhere in the document returns (a list of) a union or interface other than `_Entity`. */
function selectsAbstractField(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  visit(document, visitWithTypeInfo(typeInfo, {
    Field() {
      const type = typeInfo.getType();
      const named = type ? getNamedType(type) : undefined;
      if (named && isAbstractType(named) && named.name !== '_Entity') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  }));
  return found;
}

/** The same error as graphql-js's execution would report it: message, locations, path, extensions, the original error. */
function asGraphqlJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions ?? undefined });
  // graphql-js computes locations from AST nodes, which graphql-jit does not keep: carry them over
  if (error.locations) Object.assign(rebuilt, { locations: error.locations });
  return rebuilt;
}
