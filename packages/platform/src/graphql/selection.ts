import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

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

/**
 * The fields `selectionSets` select, by field name, each with its own selection sets (merged where a
 * field is selected more than once), through fragment spreads and inline fragments. Fields under
 * `@skip`/`@include` count as selected: a superset is what loading needs.
 */
function fieldsOf(info: SelectionInfo, selectionSets: readonly SelectionSetNode[]): Map<string, SelectionSetNode[]> {
  const fields = new Map<string, SelectionSetNode[]>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const sets = fields.get(selection.name.value) ?? [];
        if (selection.selectionSet) sets.push(selection.selectionSet);
        fields.set(selection.name.value, sets);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  selectionSets.forEach(visit);
  return fields;
}

const ownSelectionSets = (info: SelectionInfo): SelectionSetNode[] =>
  info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));

/** The fields selected on the value of the field being resolved (a list's items, an object's fields). */
export function selectedFields(info: SelectionInfo): ReadonlySet<string> {
  return new Set(fieldsOf(info, ownSelectionSets(info)).keys());
}

/** What a connection field's selection asks of the page: the total, and the fields of `edges.node`. */
export function listSelection(info: SelectionInfo): ListSelection {
  const connection = fieldsOf(info, ownSelectionSets(info));
  const edges = fieldsOf(info, connection.get('edges') ?? []);
  return { includeCount: connection.has('totalCount'), itemFields: new Set(fieldsOf(info, edges.get('node') ?? []).keys()) };
}
