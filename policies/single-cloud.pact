// An enterprise agreement that puts everything on one cloud. Copy it and change the provider.
policy single_cloud {
  title     "Single-cloud enterprise agreement"
  owner     "platform@example.com"
  reference "Enterprise Agreement, exclusivity schedule"
  effective from 2025-01-01

  exclusive everything_on_aws {
    provider aws
    // Deployments whose provider cannot be told are reported, so nothing slips through.
    unknown  warn
    message  "Everything we run lives on AWS under the enterprise agreement."
  }
}
