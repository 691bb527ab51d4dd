// Model APIs go through the company's cloud-hosted endpoints (Azure OpenAI, Bedrock, Vertex AI),
// under the cloud's data-processing terms, never straight to a model vendor.
policy model_apis {
  title     "Cloud-hosted model endpoints only"
  owner     "ai-governance@example.com"
  reference "AI usage policy §3"

  deny direct_model_apis {
    provider openai, anthropic, mistral
    where    kind == ai
    message  "Use the company's cloud-hosted model endpoints, not direct vendor APIs."
  }
}
