import { forbidden } from '../errors';

/**
 * The scopes a PATCH needs: `view` (the answer shows the object), plus one per changed field; a
 * field the map does not know is refused (`OpenPolicyAgentPermission.get_per_field_update_scopes`).
 */
export function fieldScopes<S extends string>(body: object, perField: Record<string, S>): Array<S | 'view'> {
  const scopes = new Set<S | 'view'>(['view']);
  for (const key of Object.keys(body)) {
    const scope = perField[key];
    if (scope === undefined) throw forbidden('Attempted to update an unknown field');
    scopes.add(scope);
  }
  return [...scopes];
}
