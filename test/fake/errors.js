'use strict';
/**
 * The error envelope (contract §13.1) and the status → type table (§13.3).
 */

/** One `error.type` per HTTP status (§13.3: "error.type maps directly to the HTTP status code"). */
const TYPE_BY_STATUS = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  // [assumed] 405 is not in the docs; §13.4 of the contract picks invalid_request_error.
  405: 'invalid_request_error',
  409: 'conflict_error',
  422: 'validation_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'api_error',
};

/** Default code per status, used by failure injection when the test names no code. */
const DEFAULT_CODE_BY_STATUS = {
  400: 'invalid_parameter',
  401: 'invalid_api_key',
  403: 'insufficient_scope',
  404: 'resource_not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  422: 'validation_failed',
  429: 'rate_limit_exceeded',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** Default messages for injected failures. */
const DEFAULT_MESSAGE_BY_STATUS = {
  400: 'The request was invalid.',
  401: 'Invalid API key provided.',
  403: 'This API key is not allowed to perform this request.',
  404: 'The requested resource does not exist.',
  409: 'The request conflicts with the current state of the resource.',
  422: 'The request could not be processed.',
  429: 'Too many requests. Retry after the time given in Retry-After.',
  500: 'An unexpected error occurred on our side. Please retry.',
  502: 'Bad gateway.',
  503: 'The service is temporarily unavailable. Please retry shortly.',
  504: 'Gateway timeout.',
};

/**
 * The `error.type` for a status. [assumed] statuses outside the table: `api_error` for 5xx,
 * `invalid_request_error` for other 4xx.
 * @param {number} status
 * @returns {string}
 */
function typeForStatus(status) {
  return TYPE_BY_STATUS[status] || (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/**
 * An error that becomes an API error response.
 */
class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string} [param] only when the error is about one parameter (§13.1: otherwise omitted)
   * @param {Record<string,string>} [headers] extra response headers (WWW-Authenticate, Retry-After, Allow)
   */
  constructor(status, code, message, param, headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
    this.headers = headers || {};
  }
}

/**
 * The JSON body for an error: `{"error":{type,code,message,param?},"request_id"}`.
 * @param {{status:number, code:string, message:string, param?:string}} err
 * @param {string} requestId
 * @returns {{error:{type:string, code:string, message:string, param?:string}, request_id:string}}
 */
function envelope(err, requestId) {
  /** @type {{type:string, code:string, message:string, param?:string}} */
  const error = { type: typeForStatus(err.status), code: err.code, message: err.message };
  if (err.param !== undefined && err.param !== null) error.param = err.param;
  return { error, request_id: requestId };
}

// ---- constructors for the errors the handlers raise ----

/** @param {string} param */
const missingParameter = (param) => new ApiError(400, 'missing_parameter', `Missing required parameter: ${param}.`, param);
/** @param {string} param @param {string} message */
const invalidParameter = (param, message) => new ApiError(400, 'invalid_parameter', message, param);
/** @param {string} message */
const invalidJson = (message) => new ApiError(400, 'invalid_json', message);
/** @param {string} kind @param {string} id @param {string} [param] */
const notFound = (kind, id, param) =>
  new ApiError(404, 'resource_not_found', `No ${kind} found with id '${String(id).slice(0, 100)}'.`, param);
/** @param {string} param @param {string} message */
const validationFailed = (param, message) => new ApiError(422, 'validation_failed', message, param);
/** @param {string} message */
const conflict = (message) => new ApiError(409, 'conflict', message);

module.exports = {
  ApiError,
  envelope,
  typeForStatus,
  DEFAULT_CODE_BY_STATUS,
  DEFAULT_MESSAGE_BY_STATUS,
  missingParameter,
  invalidParameter,
  invalidJson,
  notFound,
  validationFailed,
  conflict,
};
