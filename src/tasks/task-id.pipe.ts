import { BadRequestException, Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A task id in a path: a positive bigint written in digits. Kept as a string, as the API shows ids. */
@Injectable()
export class TaskIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[0-9]{1,19}$/.test(value) || BigInt(value) === 0n || BigInt(value) > MAX_BIGINT) {
      throw new BadRequestException(`task id must be a positive integer (digits only), got "${value}"`);
    }
    return BigInt(value).toString();
  }
}
