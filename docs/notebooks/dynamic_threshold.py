# %% [markdown]
# # dynamic_threshold
#
# This notebook is being written.

# %%
print("placeholder")
