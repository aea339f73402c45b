"""The learned router: which intent a message has, from a classifier over sentence embeddings and syllable n-grams."""
