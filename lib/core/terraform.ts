/**
 * Escapes Terraform template sequences in text, leaving cdktf's own token markers (`${TfToken[...]}`) alone: a literal
 * "${" (such as Fluent Bit's `${VARIABLE}`) becomes "$${" and "%{" becomes "%%{", which Terraform writes back as
 * they were. Without it, Terraform would read them as a reference or a directive.
 * @see https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
 */
export function escapeTerraformTemplates(text: string): string {
  // Replacement functions: in a replacement string, "$$" would itself collapse to "$".
  return text.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");
}
