// Package sniff tells a JSON document from a YAML one by its first bytes.
// It is the one place that decides: the validator picks its parser with
// it, the catalog the media type of a document's link, the export the
// extension of a document's file, the excerpt its reader. It imports
// nothing of the project, so every package may use it.
package sniff
