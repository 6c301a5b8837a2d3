/** The shape of POST /v1/auth/token: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';

export const TokenSchema = Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer() });
