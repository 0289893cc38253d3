import { errors } from "jose";
import { JwksDiscoveryFailed } from "./discovered-jwks.js";
import { JwksFetchBackoff } from "./jwks-keys.js";

/**
 * Why a JWT is refused, in the words of Envoy's jwt_authn filter (jwt_verify_lib's status
 * strings), with the status Envoy answers: 403 for a token of the wrong audience, 401 otherwise.
 */
export interface JwtStatus {
  readonly status: 401 | 403;
  readonly message: string;
}

const unauthorized = (message: string): JwtStatus => Object.freeze({ status: 401, message });

export const JWT_MISSING = unauthorized("Jwt is missing");
export const JWT_EXPIRED = unauthorized("Jwt is expired");
export const JWT_NOT_YET_VALID = unauthorized("Jwt not yet valid");
export const JWT_BAD_FORMAT = unauthorized(
  "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
);
export const JWT_HEADER_BAD_JSON = unauthorized("Jwt header is an invalid JSON");
export const JWT_HEADER_BAD_ALG = unauthorized("Jwt header [alg] field is required and must be a string");
export const JWT_HEADER_ALG_NOT_SUPPORTED = unauthorized("Jwt header [alg] is not supported");
export const JWT_HEADER_BAD_KID = unauthorized("Jwt header [kid] field is not a string");
export const JWT_PAYLOAD_BAD_JSON = unauthorized("Jwt payload is an invalid JSON");
export const JWT_ISS_NOT_STRING = unauthorized("Jwt payload [iss] field is not a string");
export const JWT_UNKNOWN_ISSUER = unauthorized("Jwt issuer is not configured");
export const JWT_AUDIENCE_NOT_ALLOWED: JwtStatus = Object.freeze({
  status: 403,
  message: "Audiences in Jwt are not allowed",
});
export const JWT_VERIFICATION_FAILS = unauthorized("Jwt verification fails");
export const JWKS_NO_MATCHING_KEY = unauthorized("Jwks doesn't have key to match kid or alg from Jwt");
export const JWKS_NO_VALID_KEYS = unauthorized("Jwks doesn't have any valid public key");
export const JWKS_FETCH_FAILED = unauthorized("Jwks remote fetch is failed");

/** What Envoy would have said about a token jose refused with `err`. */
export function jwtStatusOf(err: unknown): JwtStatus {
  if (err instanceof errors.JWTExpired) return JWT_EXPIRED;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === "invalid") {
      return unauthorized(`Jwt payload [${err.claim}] field is not an integer`);
    }
    if (err.claim === "nbf") return JWT_NOT_YET_VALID;
    if (err.claim === "iss") return JWT_UNKNOWN_ISSUER;
    if (err.claim === "aud") return JWT_AUDIENCE_NOT_ALLOWED;
    return JWT_VERIFICATION_FAILS;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return JWT_VERIFICATION_FAILS;
  if (err instanceof errors.JWKSNoMatchingKey) return JWKS_NO_MATCHING_KEY;
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return JWT_HEADER_ALG_NOT_SUPPORTED;
  }
  if (err instanceof errors.JWKSInvalid || err instanceof errors.JWKInvalid) return JWKS_NO_VALID_KEYS;
  if (err instanceof errors.JWTInvalid) return JWT_PAYLOAD_BAD_JSON;
  if (err instanceof errors.JWSInvalid) return JWT_BAD_FORMAT;
  // What is left is the key set's fetch: refused, timed out, not 200, not JSON, held off, or its
  // location not discovered from the issuer's metadata.
  if (
    err instanceof JwksFetchBackoff ||
    err instanceof JwksDiscoveryFailed ||
    err instanceof errors.JWKSTimeout ||
    err instanceof TypeError ||
    (err instanceof errors.JOSEError && err.code === "ERR_JOSE_GENERIC")
  ) {
    return JWKS_FETCH_FAILED;
  }
  return JWT_VERIFICATION_FAILS;
}
