import { GraphQLLocalDate } from 'graphql-scalars';

/** Calendar date without time or zone (YYYY-MM-DD), e.g. a birth date. */
export const LocalDateScalar = GraphQLLocalDate;
export { GraphQLISODateTime as DateTimeScalar } from 'type-graphql';
