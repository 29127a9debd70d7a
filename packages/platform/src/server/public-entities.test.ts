import { parse, type OperationDefinitionNode } from 'graphql';
import { publicEntitiesMaxAge, type PublicEntities } from './public-entities';

const types: PublicEntities = {
  Organization: { fields: ['id', 'name', 'active'], maxAgeSeconds: 60 },
  Practitioner: { fields: ['id', 'name'], maxAgeSeconds: 30 },
};
const operation = (query: string) => parse(query).definitions[0] as OperationDefinitionNode;
const organizations = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Organization', id })) });

describe('publicEntitiesMaxAge: which `_entities` answers the gateway may reuse', () => {
  it('gives the max-age for public fields of public entity types', () => {
    const query = operation('query($representations:[_Any!]!){_entities(representations:$representations){...on Organization{__typename id name}}}');
    expect(publicEntitiesMaxAge(query, organizations('a', 'b'), types)).toBe(60);
  });

  it('gives the shortest max-age when representations of several public types are asked together', () => {
    const query = operation('query($representations:[_Any!]!){_entities(representations:$representations){...on Organization{name} ...on Practitioner{name}}}');
    const variables = { representations: [{ __typename: 'Organization', id: 'a' }, { __typename: 'Practitioner', id: 'p' }] };
    expect(publicEntitiesMaxAge(query, variables, types)).toBe(30);
  });

  it.each([
    ['a field that is not public', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name practitionerRoles{totalCount}}}}', organizations('a')],
    ['a public field name under a nested selection', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name addresses{city}}}}', organizations('a')],
    ['a type that is not public', 'query($r:[_Any!]!){_entities(representations:$r){...on Patient{id}}}', { representations: [{ __typename: 'Patient', id: 'p' }] }],
    ['a representation of a type that is not public', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name}}}', { representations: [{ __typename: 'Organization', id: 'a' }, { __typename: 'Patient', id: 'p' }] }],
    ['a named fragment', 'query($r:[_Any!]!){_entities(representations:$r){...F}} fragment F on Organization{name}', organizations('a')],
    ['a field with a directive', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name @include(if: true)}}}', organizations('a')],
    ['another root field beside it', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name}} me{id}}', organizations('a')],
    ['a root field other than _entities', 'query{organization(id:"a"){name}}', undefined],
    ['a mutation', 'mutation($r:[_Any!]!){_entities(representations:$r){...on Organization{name}}}', organizations('a')],
    ['no representations', 'query($r:[_Any!]!){_entities(representations:$r){...on Organization{name}}}', { representations: [] }],
  ])('gives 0 (never reused) for %s', (_label, query, variables) => {
    expect(publicEntitiesMaxAge(operation(query), variables, types)).toBe(0);
  });
});
