// Names for resolved person ids, read through federation `_entities` (one batched request for any number of ids,
// under the same policy as every other read: a person the caller may not see comes back null and stays an id).
// Cached per session and purpose; the shell clears the cache when the purpose changes.
const cache = new Map();

const QUERY = `query People($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Person { id records { agency localId givenName familyName dob gender postcode } }
  }
}`;

export function clearPeople() {
  cache.clear();
}

/** The best display name of a person from the records the caller may see. */
export function nameOf(person) {
  for (const r of person?.records ?? []) {
    const name = [r.givenName, r.familyName].filter(Boolean).join(' ');
    if (name) return name;
  }
  return null;
}

/** Fetch (or reuse) people by id; returns a Map id -> Person|null. */
export async function people(hub, ids) {
  const missing = [...new Set(ids)].filter((id) => id && !cache.has(id));
  for (let i = 0; i < missing.length; i += 200) {
    const chunk = missing.slice(i, i + 200);
    const { data } = await hub.query(QUERY, { reps: chunk.map((id) => ({ __typename: 'Person', id })) });
    chunk.forEach((id, k) => cache.set(id, data._entities[k] ?? null));
  }
  return new Map(ids.map((id) => [id, cache.get(id) ?? null]));
}

export function label(id, person) {
  return nameOf(person) ?? id;
}
