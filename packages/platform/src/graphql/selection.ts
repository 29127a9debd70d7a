import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** The parts of a resolver's `info` the selection helpers read. */
export interface SelectionInfo {
  fieldNodes: readonly { selectionSet?: SelectionSetNode }[];
  fragments: Record<string, FragmentDefinitionNode>;
}

/** What a client selected of a list: whether it wants the total, and which fields of its items. */
export interface ListSelection {
  includeCount: boolean;
  /** The fields selected on each item (a connection's `edges.node`), by field name, not alias. */
  itemFields: ReadonlySet<string>;
}

/** Calls `visit` with each field node `selectionSets` select, through fragment spreads and inline fragments, in document order. */
function eachField(info: SelectionInfo, selectionSets: readonly SelectionSetNode[], visit: (field: FieldNode) => void): void {
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) visit(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  selectionSets.forEach(walk);
}

/**
 * The fields `selectionSets` select, by field name, each with its own selection sets (merged where a
 * field is selected more than once). Fields under `@skip`/`@include` count as selected: a superset
 * is what loading needs.
 */
function fieldsOf(info: SelectionInfo, selectionSets: readonly SelectionSetNode[]): Map<string, SelectionSetNode[]> {
  const fields = new Map<string, SelectionSetNode[]>();
  eachField(info, selectionSets, (field) => {
    const sets = fields.get(field.name.value) ?? [];
    if (field.selectionSet) sets.push(field.selectionSet);
    fields.set(field.name.value, sets);
  });
  return fields;
}

/** The field nodes `selectionSets` select, by response key (alias, else name): the nodes graphql-js resolves together as one field, in its order. */
function fieldNodesOf(info: SelectionInfo, selectionSets: readonly SelectionSetNode[]): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  eachField(info, selectionSets, (field) => {
    const key = field.alias?.value ?? field.name.value;
    fields.set(key, [...(fields.get(key) ?? []), field]);
  });
  return fields;
}

const ownSelectionSets = (info: SelectionInfo): SelectionSetNode[] =>
  info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));

/**
 * The fields selected on the value of the field being resolved (a list's items, an object's
 * fields), or, with a `path` of field names, on what is selected that far below it
 * (`['registrations']`: the fields of each registration).
 */
export function selectedFields(info: SelectionInfo, path: readonly string[] = []): ReadonlySet<string> {
  let sets = ownSelectionSets(info);
  for (const name of path) sets = fieldsOf(info, sets).get(name) ?? [];
  return new Set(fieldsOf(info, sets).keys());
}

/** What a connection field's selection asks of the page: the total, and the fields of `edges.node`. */
export function listSelection(info: SelectionInfo): ListSelection {
  const connection = fieldsOf(info, ownSelectionSets(info));
  const edges = fieldsOf(info, connection.get('edges') ?? []);
  return { includeCount: connection.has('totalCount'), itemFields: new Set(fieldsOf(info, edges.get('node') ?? []).keys()) };
}

/**
 * The fields selected on a connection's items (`edges.node`), by response key, each with its field
 * nodes (for its arguments, and its own selection through `selectedFields({ fieldNodes, fragments })`):
 * what a list's resolver reads to start loading what the query will ask of the page it read.
 */
export function connectionItemFields(info: SelectionInfo): Map<string, FieldNode[]> {
  const connection = fieldsOf(info, ownSelectionSets(info));
  const edges = fieldsOf(info, connection.get('edges') ?? []);
  return fieldNodesOf(info, edges.get('node') ?? []);
}
