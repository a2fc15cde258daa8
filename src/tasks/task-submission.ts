import { validate } from 'class-validator';
import { isJsonObject, withFields } from '../json/json-object.js';
import { unstorableJsonProblem } from '../json/storable-json.js';
import { CANONICAL_FIELDS, CreateTaskDto } from './dto/create-task.dto.js';

/** Still exported from here for the callers that import it with readCanonicalTask. */
export { isJsonObject };

const isCanonicalField = (field: string): boolean => (CANONICAL_FIELDS as readonly string[]).includes(field);

/**
 * Reads a canonical task body: only canonical fields, each valid, and a payload that can be stored exactly
 * as given (within the depth limit, no text PostgreSQL refuses, no number JSON cannot carry). Returns the
 * task, its payload the very value given, or the problems found.
 */
export async function readCanonicalTask(body: unknown): Promise<CreateTaskDto | string[]> {
  if (!isJsonObject(body)) return ['must be a JSON object'];
  const unknown = Object.keys(body).filter((field) => !isCanonicalField(field));
  if (unknown.length > 0) {
    return [
      `unknown field(s) ${unknown.map((f) => `"${f}"`).join(', ')}: a body with canonical fields may only have ${CANONICAL_FIELDS.join(', ')}; put task input under "payload"`,
    ];
  }
  const dto = withFields(new CreateTaskDto(), body, CANONICAL_FIELDS);
  const problems = (await validate(dto)).flatMap((error) => Object.values(error.constraints ?? {}));
  const payloadProblem = unstorableJsonProblem(dto.payload, 'payload');
  if (payloadProblem) problems.push(payloadProblem);
  return problems.length > 0 ? problems : dto;
}

/**
 * Reads a POST /tasks body. A body with any canonical field is canonical; a JSON object with none is the
 * original TaskSystem's shorthand, the payload of the default task type; no body at all is a default task
 * with an empty payload (every field is optional).
 */
export async function readSubmission(body: unknown, defaultType: string): Promise<CreateTaskDto | string[]> {
  if (body === undefined) body = {};
  if (!isJsonObject(body)) return ['body must be a JSON object'];
  if (!Object.keys(body).some(isCanonicalField)) {
    const payloadProblem = unstorableJsonProblem(body, 'payload');
    if (payloadProblem) return [payloadProblem];
    return Object.assign(new CreateTaskDto(), { type: defaultType, payload: body });
  }
  return readCanonicalTask(body);
}
