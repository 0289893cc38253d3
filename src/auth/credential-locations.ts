import { firstValue } from "../util/first-value.js";
import type { AuthRequest } from "./auth-policy.js";
import { readCookie, removeCookie } from "./cookies.js";

/** One place a credential may be sent in: a header, a query parameter or a cookie. */
export interface CredentialLocation {
  /** The credential found there, or undefined when the place is absent or empty. */
  read(request: AuthRequest): string | undefined;
  /**
   * Removes the credential from the request before it goes upstream (`sanitize`). Query parameters
   * have none: aigw builds each upstream path itself and never forwards the client's query string.
   */
  readonly remove?: (request: AuthRequest) => void;
}

/** A header whose value (after `strip`) is the credential. */
export function headerLocation(name: string, strip: (value: string) => string): CredentialLocation {
  const header = name.toLowerCase();
  return {
    read: (request) => {
      const value = firstValue(request.headers[header]);
      if (value === undefined) return undefined;
      const credential = strip(value);
      return credential === "" ? undefined : credential;
    },
    remove: (request) => {
      delete request.headers[header];
    },
  };
}

/** A query parameter of the request target, percent-decoded. */
export function queryParamLocation(name: string): CredentialLocation {
  return {
    read: (request) => {
      const query = request.url.indexOf("?");
      if (query < 0) return undefined;
      const value = new URLSearchParams(request.url.slice(query + 1)).get(name);
      return value === null || value === "" ? undefined : value;
    },
  };
}

/** A cookie of the Cookie header. */
export function cookieLocation(name: string): CredentialLocation {
  return {
    read: (request) => {
      const value = readCookie(request.headers.cookie, name);
      return value === "" ? undefined : value;
    },
    remove: (request) => {
      const header = request.headers.cookie;
      if (header === undefined) return;
      const rest = removeCookie(header, name);
      if (rest === undefined) delete request.headers.cookie;
      else request.headers.cookie = rest;
    },
  };
}
