import { graphql as execute } from 'graphql';
import { buildSchema } from 'graphql';
import { describeVariableError } from './errors';

/** The messages graphql-js really produces for variables that do not fit the schema. */
const schema = buildSchema(`
  enum Status { ACTIVE DONE }
  input Coding { code: String! }
  input Input { status: Status!, at: Int, coding: Coding, codings: [Coding!] }
  type Query { run(input: Input!, ids: [Int!]): Boolean }
`);
const messageFor = async (variables: Record<string, unknown>) => {
  const result = await execute({ schema, source: 'query ($input: Input!, $ids: [Int!]) { run(input: $input, ids: $ids) }', variableValues: variables });
  return result.errors![0].message;
};

describe('describeVariableError: names the field of a rejected variable, never its value', () => {
  it.each([
    [{ input: { status: 'SECRET-VALUE' } }, 'status', 'status must be a Status value'],
    [{ input: { status: 'ACTIVE', at: 'SECRET-VALUE' } }, 'at', 'at is not a valid Int'],
    [{ input: { status: 'ACTIVE', coding: { display: 'SECRET-VALUE' } } }, 'coding.code', 'coding.code is required'],
    [{ input: { status: 'ACTIVE', codings: [{ code: 'a' }, { code: 'b', note: 'SECRET-VALUE' }] } }, 'codings[1].note', 'codings[1].note is not a field of Coding'],
    [{ input: { status: 'ACTIVE', name: 'SECRET-VALUE; at "input.x"; ' } }, 'name', 'name is not a field of Input'],
    [{ input: { status: 'ACTIVE' }, ids: [1, 'SECRET-VALUE'] }, 'ids[1]', 'ids[1] is not a valid Int'],
    [{}, 'input', 'input is required'],
  ])('%j → %s', async (variables, field, message) => {
    const raw = await messageFor(variables);
    expect(raw).toMatch(/^Variable "\$/);
    const problem = describeVariableError(raw);
    expect(problem).toEqual({ field, message });
    expect(problem!.message).not.toContain('SECRET');
  });

  it('leaves other messages alone', () => {
    expect(describeVariableError('Cannot query field "x" on type "Query".')).toBeUndefined();
  });
});
