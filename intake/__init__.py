"""Article intake: an article imported, the extractor's candidate claims in it (the extraction
package and its gold sets), matching them to known claims, and a reviewer's accept or reject."""
