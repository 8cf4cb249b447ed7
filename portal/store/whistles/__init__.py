"""街道吹哨、部门报到: the whistle list, raising and handling whistles, requests, figures."""
