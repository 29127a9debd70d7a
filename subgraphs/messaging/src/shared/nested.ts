import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';

/** Validates one nested input object (platform's `Nested` is for lists). */
export const NestedOne = <T>(type: () => new () => T) => (target: object, key: string) => {
  ValidateNested()(target, key);
  Type(type)(target, key);
};
