import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { connectionItemFields, listSelection, selectedFields, type SelectionInfo } from './selection';

/** The `info` a resolver of the operation's first root field would get (the parts the helpers read). */
function infoOf(document: string): SelectionInfo {
  const parsed = parse(document);
  const operation = parsed.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(parsed.definitions
    .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
    .map((fragment) => [fragment.name.value, fragment]));
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe('selection helpers', () => {
  const info = infoOf(`{
    encounters(first: 5) {
      ...total
      edges { node { id ... on Encounter { status } ...linked } }
    }
  }
  fragment total on EncounterConnection { totalCount }
  fragment linked on Encounter { conditions { id code { code } } recent: observations(first: 2) { id } observations(first: 9) { value } }`);

  it('sees what a list selects through fragments: the total, and the fields of its items by name', () => {
    expect(listSelection(info)).toEqual({ includeCount: true, itemFields: new Set(['id', 'status', 'conditions', 'observations']) });
  });

  it('sees the fields selected a path below the field', () => {
    expect(selectedFields(info)).toEqual(new Set(['totalCount', 'edges']));
    expect(selectedFields(info, ['edges', 'node', 'conditions'])).toEqual(new Set(['id', 'code']));
    expect(selectedFields(info, ['edges', 'node', 'nothing'])).toEqual(new Set());
  });

  it("gives a list's item fields by response key, each with the nodes resolved together", () => {
    const fields = connectionItemFields(info);
    expect([...fields.keys()]).toEqual(['id', 'status', 'conditions', 'recent', 'observations']);
    const recent = fields.get('recent')!;
    expect(recent.map((node) => node.name.value)).toEqual(['observations']);
    expect(selectedFields({ fieldNodes: recent, fragments: info.fragments })).toEqual(new Set(['id']));
    expect(selectedFields({ fieldNodes: fields.get('observations')!, fragments: info.fragments })).toEqual(new Set(['value']));
  });
});
