/** Argument parsers shared by the commands' options. */
import { InvalidArgumentError } from 'commander';

/** Parses a whole number of at least `min` (`--apps 1000`, `--workers 0`); anything else is refused with the bound. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number of at least ${min}.`);
    return n;
  };
}
