import { graphql } from './gql';

/**
 * Selections many screens share. Operations spread them by name (`...MoneyParts`); codegen adds the
 * definitions to each generated document.
 */
graphql(`
  fragment MoneyParts on Money {
    amount
    currency
  }
`);

graphql(`
  fragment NameParts on HumanName {
    given
    family
    text
  }
`);

graphql(`
  fragment AllergyBannerParts on AllergyIntolerance {
    id
    criticality
    clinicalStatus
    code {
      display
      code
    }
    reactions {
      manifestations {
        display
      }
    }
  }
`);
