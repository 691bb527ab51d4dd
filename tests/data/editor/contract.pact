policy contract {
  title "Editor contract"

  exclusive api_on_azure {
    provider azure
    where    tag.product == "api"
  }

  deny no_small {
    provider digitalocean, hetzner
  }

  first_refusal capacity {
    holder   azure
    over     aws
    refusals "refusals/*.yaml"
  }

  require customer_data_in_eu {
    where  kind in [storage, database] and tag.data == "customer"
    assert country in eu
  }

  share azure_commitment {
    provider azure
    at_least 75%
    where    kind in [compute, kubernetes]
  }
}
