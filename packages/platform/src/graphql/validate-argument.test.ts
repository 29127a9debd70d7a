import 'reflect-metadata';
import { Max, Min, ValidateNested } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { validateArgument } from './federation';

class PageSizeArgs {
  @Min(1) @Max(500)
  first = 100;
}

class Filter {
  @Max(10)
  level = 1;
}
class FilteredArgs {
  @ValidateNested()
  filter: Filter = new Filter();
}

const pageSize = (first: number) => Object.assign(new PageSizeArgs(), { first });

describe('validateArgument', () => {
  it('passes arguments within their rules, again and again', async () => {
    for (let round = 0; round < 3; round += 1) await expect(validateArgument(pageSize(50))).resolves.toBeUndefined();
  });

  it('refuses arguments outside their rules, however often the class passed before', async () => {
    await validateArgument(pageSize(50));
    await expect(validateArgument(pageSize(501))).rejects.toBeInstanceOf(ArgumentValidationError);
    await expect(validateArgument(pageSize(0))).rejects.toBeInstanceOf(ArgumentValidationError);
    await expect(validateArgument([pageSize(20), pageSize(501)])).rejects.toBeInstanceOf(ArgumentValidationError);
  });

  it('validates arguments holding objects every time (only plain values are remembered as passed)', async () => {
    const filtered = (level: number) => Object.assign(new FilteredArgs(), { filter: Object.assign(new Filter(), { level }) });
    await expect(validateArgument(filtered(5))).resolves.toBeUndefined();
    await expect(validateArgument(filtered(11))).rejects.toBeInstanceOf(ArgumentValidationError);
  });
});
