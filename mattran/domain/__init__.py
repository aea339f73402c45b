"""Domain operations over the store: units, scopes and (later) petitions, members, congresses, library."""
