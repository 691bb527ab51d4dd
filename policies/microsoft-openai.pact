// Terms of the Microsoft–OpenAI cloud partnership, as publicly announced.
//
// January 2025: Microsoft keeps exclusive rights to serve OpenAI's API from Azure, and holds a
// right of first refusal on OpenAI's new compute capacity: OpenAI may build with another cloud
// (Oracle for Stargate, for instance) only where Azure has declined. The terms run until 2030.
policy microsoft_openai {
  title     "Microsoft–OpenAI cloud partnership"
  owner     "cloud-governance@example.com"
  reference "Microsoft and OpenAI partnership announcement, 21 January 2025"
  effective from 2019-07-22 until 2030-12-31

  // The OpenAI API is served from Azure only.
  exclusive api_on_azure {
    provider  azure
    where     tag.product == "openai-api"
    reference "API exclusivity: stateless APIs are served from Azure"
    message   "The OpenAI API runs on Azure only: Microsoft keeps exclusive rights to serve it."
    waivable  false
  }

  // New capacity may go to another cloud only after Azure has declined it in writing.
  first_refusal new_capacity {
    holder    azure
    over      any
    where     kind in [compute, kubernetes, ai] or gpu
    refusals  "refusals/microsoft-openai/*.yaml"
    reference "Right of first refusal on new capacity"
  }

  // Deployments whose provider cannot be told are worth a look, not a failure.
  deny small_clouds_for_models {
    provider digitalocean, hetzner, vultr
    where    kind == ai or gpu
    severity warning
    unknown  allow
  }
}
