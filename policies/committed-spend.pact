// A committed-spend discount (AWS EDP, Azure MACC, Google CUD) in return for a share of compute.
policy committed_spend {
  title     "Committed-spend agreement"
  owner     "finops@example.com"
  reference "Enterprise Discount Program, schedule A"
  effective from 2025-04-01 until 2028-03-31

  share compute_on_aws {
    provider aws
    at_least 80%
    where    kind in [compute, kubernetes, serverless]
    message  "The discount needs 80% of compute on AWS."
  }
}
