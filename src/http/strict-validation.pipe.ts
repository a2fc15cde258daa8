import { BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata, Type, ValidationPipeOptions } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { isJsonObject } from '../json/json-object.js';
import { exceedsDepth, MAX_PAYLOAD_DEPTH, tooDeep } from '../json/storable-json.js';

/**
 * Nest's ValidationPipe (transform, whitelist, forbidNonWhitelisted: an unknown field is a 400 naming it),
 * made to see every field. ValidationPipe's own check runs after class-transformer, which drops fields
 * named like Object.prototype's members (`__proto__`, `constructor`, `toString`, …): `?constructor=1` was
 * accepted while `?colour=1` was a 400. So the fields the DTO does not declare are refused first, with
 * ValidationPipe's message, and nesting beyond the limit before class-transformer recurses into it.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  /** `stopAtFirstError`: one message per field rather than one per rule it breaks. */
  constructor(options: Pick<ValidationPipeOptions, 'stopAtFirstError'> = {}) {
    super({ transform: true, whitelist: true, forbidNonWhitelisted: true, ...options });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (isJsonObject(value) && metadata.metatype && this.toValidate(metadata)) {
      const declared = declaredFields(metadata.metatype);
      const unknown = Object.keys(value).filter((field) => !declared.has(field));
      if (unknown.length > 0)
        throw new BadRequestException(unknown.map((field) => `property ${field} should not exist`));
      if (exceedsDepth(value, MAX_PAYLOAD_DEPTH))
        throw new BadRequestException(`${metadata.type} ${tooDeep(MAX_PAYLOAD_DEPTH)}`);
    }
    return super.transform(value, metadata);
  }
}

/** The fields a DTO class declares with class-validator's decorators: those ValidationPipe's whitelist keeps. */
function declaredFields(dto: Type): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
  return new Set(metadata.map(({ propertyName }) => propertyName));
}
