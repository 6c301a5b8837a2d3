import { errors, jwtVerify, SignJWT } from 'jose';
import { isUuid } from '../tenants/tenant-id.js';

/** HS256 tenant tokens: `tenant_id` claim and `exp` required, nothing else accepted. */
export interface TenantClaims {
  tenantId: string;
}

export class JwtCodec {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(tenantId: string): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Returns the claims, or a short reason why the token is refused (never the token itself). */
  async verify(token: string): Promise<TenantClaims | { refused: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      const tenantId = payload['tenant_id'];
      if (!isUuid(tenantId)) return { refused: 'token has no valid tenant_id claim' };
      return { tenantId: tenantId.toLowerCase() };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { refused: 'token expired' };
      if (error instanceof errors.JWTClaimValidationFailed) return { refused: `token claim "${error.claim}" is missing or invalid` };
      if (error instanceof errors.JOSEAlgNotAllowed) return { refused: 'token algorithm not allowed (HS256 only)' };
      if (error instanceof errors.JWSSignatureVerificationFailed) return { refused: 'token signature is invalid' };
      return { refused: 'token is malformed' };
    }
  }
}
