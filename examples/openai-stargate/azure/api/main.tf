locals {
  tags = {
    product = "openai-api"
    owner   = "api-platform"
  }
}

resource "azurerm_resource_group" "api" {
  name     = "rg-openai-api"
  location = var.location
  tags     = local.tags
}

resource "azurerm_kubernetes_cluster" "api" {
  name                = "aks-openai-api"
  location            = var.location
  resource_group_name = azurerm_resource_group.api.name
  dns_prefix          = "openai-api"

  default_node_pool {
    name       = "system"
    node_count = 3
    vm_size    = "Standard_D8s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  tags = {
    product = "openai-api"
  }
}

resource "azurerm_cognitive_account" "inference" {
  name                = "oai-inference"
  location            = var.location
  resource_group_name = azurerm_resource_group.api.name
  kind                = "OpenAI"
  sku_name            = "S0"

  tags = {
    product = "openai-api"
  }
}
