// GDPR-driven data residency: customer data is stored and processed in the EU.
policy eu_residency {
  title     "EU data residency for customer data"
  owner     "dpo@example.com"
  reference "Data Processing Agreement, Annex II (transfers)"
  effective from 2024-01-01

  require customer_data_in_eu {
    where   kind in [storage, database] and tag.data == "customer"
    assert  country in eu
    unknown warn
    message "Customer data stays in the EU."
  }

  // Models that see customer data run in the EEA (cloud-hosted endpoints in an EEA region).
  require customer_models_in_eea {
    where    kind == ai and tag.data == "customer"
    assert   country in eea
    unknown  deny
    severity warning
  }
}
