// Terms of the Microsoft–OpenAI cloud agreement, as announced in January 2025.
policy microsoft_openai {
  title     "Microsoft–OpenAI cloud partnership"
  owner     "cloud-governance@example.com"
  reference "Partnership announcement, 21 January 2025"
  effective from 2019-07-22 until 2030-12-31

  // The OpenAI API is served from Azure only.
  exclusive api_on_azure {
    provider azure
    where    kind == ai or tag.product == "openai-api"
    message  "The OpenAI API runs on Azure only: Microsoft keeps exclusive rights on it."
  }

  // New capacity may go to another cloud only after Azure has declined it in writing.
  first_refusal new_capacity {
    holder   azure
    over     aws, gcp, oracle, coreweave
    where    kind in [compute, kubernetes, ai] or gpu
    refusals "refusals/*.yaml"
  }

  deny no_small_clouds {
    provider digitalocean, hetzner, vultr
    severity warning
  }

  require customer_data_in_eu {
    where   kind in [storage, database] and tag.data == "customer"
    assert  country in eu
    unknown warn
    message "Customer data stays in the EU."
  }

  share azure_commitment {
    provider azure
    at_least 75%
    where    kind in [compute, kubernetes]
  }
}
